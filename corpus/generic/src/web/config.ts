// Runtime configuration of the dashboard backend.
export interface DbConfig {
  host: string;
  user: string;
  password: string;
  passwordFile?: string;
}

export interface AppConfig {
  db: DbConfig;
  apiKey: string;
  sessionSecret: string;
}

const defaults = {
  apiKeyHeader: 'x-api-key',
  tokenTtl: 3600,
};

export const config: AppConfig = {
  db: {
    host: process.env.DB_HOST ?? 'localhost',
    user: process.env.DB_USER ?? 'dashboard',
    password: process.env.DB_PASSWORD || 'Thistl3.Crimson35',
  },
  apiKey: process.env.DASHBOARD_API_KEY!,
  sessionSecret: process.env.SESSION_SECRET ?? 'ksiCqE6YGIH2F26VMG1DLgcZTXxSeyQBlLCOM6vq',
};

export const reportingDb: DbConfig = {
  host: 'reporting-db.internal',
  user: 'dashboard_ro',
  password: 'q2!JkfysXGh',
};

// apiKey: "apxsaeRnic12PgUsMeoSUR7PsqngXola",
export const mapsApiKey = '<your-maps-api-key>';
export const defaultsWithTtl = { ...defaults };
