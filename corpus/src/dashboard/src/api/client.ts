// Thin fetch wrapper for the Lumen API.
//
// FAKE test fixture for keysift: the kiosk token below is made up.

import { API_BASE_URL } from '../config';

// Wall displays in the lobby run unattended, so they get a long-lived token.
const KIOSK_SERVICE_TOKEN = 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Imtpb3NrLTIwMjQtMDYifQ.eyJzdWIiOiJraW9zazpsb2JieS13YWxsLTAxIiwic2NvcGUiOiJkYXNoYm9hcmQ6cmVhZCIsImF1ZCI6Imx1bWVuLWRhc2hib2FyZCIsImlhdCI6MTcxNzQwMDAwMCwiZXhwIjoxOTA2MDAwMDAwfQ.KTUOk2vGgxr4K5je8GzJUvP60uwuMWZcZwMBhRFxmBaPfMW5V9EO8rWAZeKuJEyo8AMHIlZ8Y-smXV9icMewcA';

export class ApiError extends Error {
  constructor(public status: number, public requestId: string | null, message: string) {
    super(message);
  }
}

function authHeader(): Record<string, string> {
  const session = window.sessionStorage.getItem('lumen.session');
  const token = session ?? (isKiosk() ? KIOSK_SERVICE_TOKEN : null);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function isKiosk(): boolean {
  return new URLSearchParams(window.location.search).get('kiosk') === '1';
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const resp = await fetch(`${API_BASE_URL}${path}`, {
    ...init,
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...authHeader(),
      ...(init.headers ?? {}),
    },
  });
  if (!resp.ok) {
    throw new ApiError(resp.status, resp.headers.get('x-request-id'), await resp.text());
  }
  return (await resp.json()) as T;
}

export interface Device {
  id: string;
  name: string;
  firmware: string;
  lastSeen: string;
}

export const listDevices = () => api<Device[]>('/v1/devices');
export const getDevice = (id: string) => api<Device>(`/v1/devices/${encodeURIComponent(id)}`);
