using System;
using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Orders.Api
{
    public class Startup
    {
        private const string ReportsApiKey = "Jhq7mHIDAbNygY5jrIgsaqb0hP3oeSdaD1UejcuV";
        private const string ReportsApiKeyHeader = "X-Reports-Key";
        private static readonly string LegacyConnection =
            "Server=sql-legacy.corp.acme-orders.example;Database=Orders;User Id=orders_app;Password=m1+010JbRf;TrustServerCertificate=True;";
        private static readonly string LocalConnection =
            "Server=(localdb)\\MSSQLLocalDB;Database=Orders;Integrated Security=true;";

        public Startup(IConfiguration configuration) => Configuration = configuration;

        public IConfiguration Configuration { get; }

        public string Password { get; set; }

        public void ConfigureServices(IServiceCollection services)
        {
            var dbPassword = Configuration["Database:Password"];
            var smtpPassword = Environment.GetEnvironmentVariable("SMTP_PASSWORD");

            services.AddSingleton(new SmtpClient("smtp.acme-orders.example", 587)
            {
                EnableSsl = true,
                Credentials = new NetworkCredential
                {
                    UserName = "orders@acme-orders.example",
                    Password = "M4rbl3*Glacier49",
                },
            });

            services.AddSingleton(new QueueOptions
            {
                Host = "mq.corp.acme-orders.example",
                UserName = "orders",
                Password = smtpPassword,
                ClientSecret = "YpkoSdJZt9ttvkHvSyJudhTgkpJIugNDkG16eok9+BE=",
            });

            // services.AddReporting(apiKey: "IOIkAdEHKBIqZWpGDvNcRR4B4rU3azZC");
            var odbc = "Driver={ODBC Driver 18 for SQL Server};Server=dw.corp.acme-orders.example;Uid=etl;Pwd=n1_khtpkM;";
        }
    }
}
