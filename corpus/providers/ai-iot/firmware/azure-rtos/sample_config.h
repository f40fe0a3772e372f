/* sample_config.h - Azure RTOS hub sample, DPS symmetric-key provisioning */
#ifndef SAMPLE_CONFIG_H
#define SAMPLE_CONFIG_H

#define ENDPOINT                "global.azure-devices-provisioning.net"
#define ID_SCOPE                "0ne00B2C4D6"
#define REGISTRATION_ID         "hub-0042"
#define DEVICE_SYMMETRIC_KEY    "rpGLEobj9x/MykH3UlaTbP59yZ9K7JalonHTu9/nOww="

#endif /* SAMPLE_CONFIG_H */
