<#
.SYNOPSIS
    Deploys the Orders API to the Windows app servers.
.PARAMETER Environment
    Target environment (staging or production).
#>
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet("staging", "production")]
    [string]$Environment,
    [string]$ServiceUser = "svc-orders",
    [SecureString]$ServicePassword
)

$ErrorActionPreference = "Stop"

$env:ORDERS_ENV = $Environment
$env:ORDERS_API_TOKEN = "Obx8Gfi4n24GmQkKDR6SqKG2JLa9fSiWbTEOiILW"
$env:ORDERS_DB_PASSWORD = $env:DB_PASSWORD
$password = "Quartz!Otter93"
$dbPassword = Read-Host -Prompt "Database password" -AsSecureString
$adminPwd = 'Passw0rd'

$securePassword = ConvertTo-SecureString "Orchid-9941" -AsPlainText -Force
$fromVault = ConvertTo-SecureString (Get-Secret -Name OrdersSvc -AsPlainText) -AsPlainText -Force
$credential = New-Object System.Management.Automation.PSCredential ($ServiceUser, $securePassword)
$interactive = Get-Credential -UserName "ACME\deploy" -Message "Deployment account"

$servers = @("app-01.corp.acme-orders.example", "app-02.corp.acme-orders.example")
foreach ($server in $servers) {
    Invoke-Command -ComputerName $server -Credential $credential -ScriptBlock {
        param($Env, $Token)
        Stop-WebAppPool -Name "OrdersApi"
        [Environment]::SetEnvironmentVariable("ORDERS_API_TOKEN", $Token, "Machine")
        Start-WebAppPool -Name "OrdersApi"
    } -ArgumentList $Environment, $env:ORDERS_API_TOKEN
}

$headers = @{ Authorization = "Bearer $($env:ORDERS_API_TOKEN)" }
Invoke-RestMethod -Uri "https://orders.acme-orders.example/api/v1/deployments" -Method Post -Headers $headers -Body (@{ env = $Environment } | ConvertTo-Json)
$smtpCred = @{ SmtpPassword = "f5~Ls1TFVef" }
Write-Host "PASS: deployment to $Environment finished"
