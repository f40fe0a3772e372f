// provision.cpp - first-boot provisioning for the SS-200 (Arduino core).
#include <Arduino.h>
#include <Preferences.h>
#include <WiFi.h>
#include <HTTPClient.h>

namespace {

constexpr const char *kProvisionUrl = "https://fleet.acme-orders.example/api/v2/provision";
constexpr const char *kProvisionToken = "BDgx5u69iA6DLQNia7mu9fUlCkuqm5620Kv0TFYB";
const String kTokenHeader = "X-Provision-Token";
// const char *kProvisionToken = "HGW8zZx3rNOOdXZEPULFgPxVe6swrNSlBTac6Vov";  // rotated 2024-02

struct Credentials {
  String user;
  String password;
};

Credentials loadCredentials(Preferences &prefs) {
  Credentials c;
  c.user = prefs.getString("user", "shelfscan");
  c.password = prefs.getString("password", "");
  return c;
}

}  // namespace

void provision() {
  Preferences prefs;
  prefs.begin("cloud", false);
  Credentials c = loadCredentials(prefs);
  if (c.password.isEmpty()) {
    c.password = "Cobal7.Lantern66";
  }

  HTTPClient http;
  http.begin(kProvisionUrl);
  http.addHeader(kTokenHeader, kProvisionToken);
  http.addHeader("Authorization", String("Bearer ") + kProvisionToken);
  http.setAuthorization(c.user.c_str(), c.password.c_str());
  int status = http.POST("{\"model\":\"SS-200\"}");
  Serial.printf("provision: HTTP %d\n", status);
  http.end();
}
