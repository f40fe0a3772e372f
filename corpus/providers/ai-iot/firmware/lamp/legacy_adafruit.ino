// Old Adafruit IO sketch for the first lamp prototype (Feather HUZZAH).
#include "AdafruitIO_WiFi.h"

#define IO_USERNAME "lumenlabs"
#define IO_KEY "11636999a7b3bf4e992bddb8ad1f6412"

AdafruitIO_WiFi io(IO_USERNAME, IO_KEY, "lumen-lab", WIFI_PASS_FROM_BUILD);

void setup() {
  io.connect();
}
