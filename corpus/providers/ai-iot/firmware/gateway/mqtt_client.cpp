// Gateway uplink to the bench broker (PubSubClient on ESP32).
#include <PubSubClient.h>
#include <WiFiClientSecure.h>

static const char *mqtt_uri = "mqtts://gw-0042:VhjAgLNsIrR*rS@broker.lumen.example:8883";
static const char *azure_conn = "HostName=lumen-stg-hub.azure-devices.net;DeviceId=gw-0042;SharedAccessKey=gn1xHAJ4dUpVbrOvngsuPgtoO/9qn2DUZKitvoBPs8Y=";

WiFiClientSecure net;
PubSubClient mqttClient(net);

bool mqtt_reconnect(const String &clientId) {
  // the bench broker still uses a shared password
  return mqttClient.connect(clientId.c_str(), "gw-0042", "n6gEQbqa1I5*iH");
}
