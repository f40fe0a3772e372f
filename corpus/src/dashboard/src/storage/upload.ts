// Uploads floor plans to S3 for the device map.
//
// FAKE test fixture for keysift: the access key pair below is made up.

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const BUCKET = 'lumen-floorplans';
const MAX_BYTES = 10 * 1024 * 1024;

const s3 = new S3Client({
  region: 'eu-central-1',
  credentials: {
    accessKeyId: 'AKIAL7ANHYT4NDOQSI6W',
    secretAccessKey: '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',
  },
});

export interface UploadResult {
  key: string;
  etag: string | undefined;
}

export async function uploadFloorPlan(siteId: string, file: File): Promise<UploadResult> {
  if (file.size > MAX_BYTES) {
    throw new Error(`floor plan too large: ${file.size} bytes`);
  }
  if (!['image/png', 'image/svg+xml'].includes(file.type)) {
    throw new Error(`unsupported type ${file.type}`);
  }
  const key = `sites/${siteId}/${Date.now()}-${file.name}`;
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: new Uint8Array(await file.arrayBuffer()),
      ContentType: file.type,
    }),
  );
  return { key, etag: out.ETag };
}
