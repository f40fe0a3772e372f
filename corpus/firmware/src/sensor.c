/*
 * Lumen sensor node firmware (firmware corpus): freestanding, no libc, built
 * by ../build.sh with clang for big-endian MIPS, 32-bit ARM and AArch64. The
 * key is FAKE.
 */
#ifndef SENSOR_KEY
#define SENSOR_KEY "AKIA356O7OG422OPXNYF"
#endif

static const char telemetry_key[] = SENSOR_KEY;
const char *volatile sensor_keep;

void entry(void)
{
    sensor_keep = telemetry_key;
    for (;;) {
    }
}
