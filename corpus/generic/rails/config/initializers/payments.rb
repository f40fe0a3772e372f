# frozen_string_literal: true

Rails.application.configure do
  config.x.payments.endpoint = "https://gateway.partner.example/v2"
  config.x.payments.api_key = ENV["PAYMENTS_API_KEY"]
  config.x.payments.secret_key = ENV.fetch("PAYMENTS_SECRET_KEY", "1bnxxk8b7wb1NQHEW15VusSqI9MFzXFk4ARh21Ta")
end

Rails.application.config.secret_key_base = "8887f5845e8946371d142fc1417dd429dac54aa134281b8f3e88f6fe2d556560cf4b9621f96510cfbbdd000bb77e9e9a3fdc61eae399ff0b1aa74a9df682e960"

PAYMENTS_WEBHOOK_SECRET = 'ytXp3RRrztFkAwr4E4W0N6NQHzLaeqPdyS3KBMlF'

ActionMailer::Base.smtp_settings = {
  address: "smtp.acme-orders.example",
  port: 587,
  user_name: "storefront",
  password: 'Basal7~Tangelo84',
  authentication: :plain,
  enable_starttls_auto: true
}

LEGACY_FTP = { :host => "ftp.partner.example", :user => "storefront", :password => 'C0pp3r!6757' }
