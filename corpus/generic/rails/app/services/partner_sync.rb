# frozen_string_literal: true

class PartnerSync
  DEFAULT_TIMEOUT = 30

  def initialize(user:, password: Rails.application.credentials.dig(:partner, :password))
    @user = user
    @password = password
  end

  def client
    @client ||= Faraday.new(url: "https://api.partner.example") do |f|
      f.request :authorization, :basic, @user, @password
      f.headers["Authorization"] = "Token token=#{ENV['PARTNER_TOKEN']}"
    end
  end

  def self.sandbox
    new(user: "sandbox", password: "Lant3rn_Cinder52")
  end
end
