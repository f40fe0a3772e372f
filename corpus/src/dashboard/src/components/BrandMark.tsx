// Brand mark and the energy "highs and lows" sparkline used in the header.
// The inline PNG keeps the header from flashing while the CSS bundle loads.

import React from 'react';

const LOGO_DATA_URI =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAABQElEQVR42hXMoW5dIQAA0GeXOUQNqgmy2DtJUoWpwDVYLKlD1KCWIOvr9y/7q+1ccex5PB5///0gEElkLgqVRmcwWWwOj8dPAYFIInNRqDQ6g8lic37ewZOAQCSRuShUGp3BZLE5T3fwLCAQSWQuCpVGZzBZbM7zHbwICEQSmYtCpdEZTBab83IHvwQEIonMRaHS6Awmi835dQevAgKRROaiUGl0BpPF5rzewZuAQCSRuShUGp3BZLE5b3fwLiAQSWQuCpVGZzBZbM77HQwBgUgic1GoNDqDyWJzxh18CAhEEpmLQqXRGUwWm/NxB58CApFE5qJQaXQGk8XmfN7BbwGBSCJzUag0OoPJYnN+38GXgEAkkbkoVBqdwWSxOV938C0gEElkLgqVRmcwWWzO9x38ERCIJDIXhUqjM5gsNof/hZNdHxEY2l4AAAAASUVORK5CYII=';

export interface EnergySample {
  at: string;
  watts: number;
}

export interface BrandMarkProps {
  siteName: string;
  samples?: EnergySample[];
}

// Widget id registered with the analytics pipeline (a UUID, not a secret).
const WIDGET_ID = '83355c21-7a04-468a-9e2d-cba17912e909';

function highs_and_lows(samples: EnergySample[]): { high: number; low: number } {
  if (samples.length === 0) {
    return { high: 0, low: 0 };
  }
  let high = samples[0].watts;
  let low = samples[0].watts;
  for (const s of samples) {
    high = Math.max(high, s.watts);
    low = Math.min(low, s.watts);
  }
  return { high, low };
}

export function BrandMark({ siteName, samples = [] }: BrandMarkProps): JSX.Element {
  const { high, low } = highs_and_lows(samples);
  return (
    <div className="brand-mark" data-widget-id={WIDGET_ID}>
      <img src={LOGO_DATA_URI} width={16} height={16} alt="Lumen" />
      <span className="brand-mark__site">{siteName}</span>
      {samples.length > 0 && (
        <span className="brand-mark__range" title="today">
          {low.toFixed(0)}–{high.toFixed(0)} W
        </span>
      )}
    </div>
  );
}

export default BrandMark;
