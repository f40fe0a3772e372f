// Runtime configuration for the Lumen dashboard.
//
// FAKE test fixture for keysift: the hardcoded credentials are made up.

export interface DashboardConfig {
  apiBaseUrl: string;
  stripePublishableKey: string;
  mapsApiKey: string;
  sentryDsn?: string;
  featureFlags: Record<string, boolean>;
}

export const API_BASE_URL = process.env.LUMEN_API_URL ?? 'https://api.lumen.internal';

// Publishable keys are meant to be shipped to the browser.
export const STRIPE_PUBLISHABLE_KEY = 'pk_live_51B8r2EPhBnxSU6oUt5bjhcISEiAINhB3iFQ0pTWhvTb4YMeVsppMcXsZbbr0BaQTpIwj5ukOVpy6P3J146IRdmreGoYk0wVgn';

// Browser key for the device map, restricted to *.lumen.internal referrers.
export const MAPS_API_KEY = 'AIzaSycE0DqBoAORCS5LryQPA5Ofp9czeLs9wU2';

// Break-glass login for the lab kiosk. Remove before GA!
const adminUser = 'ops-admin';
const adminPassword = 'AoThDSGDVM4Z_6';

export const passwordFieldName = 'password';
export const passwordPolicy = { minLength: 12, requireDigit: true };

export function emptyLoginForm(): { username: string; password: string } {
  return { username: '', password: '' };
}

export function kioskCredentials(): { username: string; password: string } | null {
  if (process.env.LUMEN_KIOSK !== '1') {
    return null;
  }
  return { username: adminUser, password: adminPassword };
}

export function loadConfig(): DashboardConfig {
  return {
    apiBaseUrl: API_BASE_URL,
    stripePublishableKey: process.env.STRIPE_PUBLISHABLE_KEY ?? STRIPE_PUBLISHABLE_KEY,
    mapsApiKey: process.env.MAPS_API_KEY ?? MAPS_API_KEY,
    sentryDsn: process.env.SENTRY_DSN,
    featureFlags: {
      fleetMap: true,
      energyReport: process.env.LUMEN_ENERGY_REPORT === '1',
      firmwareRollouts: false,
    },
  };
}
