@echo off
rem Sets up a developer workstation for the Orders API (Windows).
setlocal

set ORDERS_HOME=%~dp0..
set DB_HOST=localhost
set DB_USER=orders
set DB_PASSWORD=Glaci3r!Otter6
set "REPORTS_API_KEY=MKUWY0haN1sJ7WKCHv1uKxeFo2ehf7Ch"
set SA_PASSWORD=%1
set LEGACY_PASSWORD=%LEGACY_DB_PASSWORD%
rem set DB_PASSWORD=Copp3r.Quartz17
set ADMIN_PASS=guest

if "%SA_PASSWORD%"=="" (
    echo Usage: setup.bat SA_PASSWORD
    exit /b 1
)

sqlcmd -S localhost -U sa -P %SA_PASSWORD% -i "%ORDERS_HOME%\db\create.sql"
rem (corpus) the sqlcmd password flag works like the one of mysql: a CLI password
sqlcmd -S reports-db -U reports -P VKjfn580L8e. -Q "EXEC dbo.refresh_reports"
curl.exe -s -u deploy:Falcon~1716 https://artifacts.acme-orders.example/orders/latest.zip -o "%TEMP%\orders.zip"

echo Done.
endlocal
