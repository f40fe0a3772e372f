#!/usr/bin/env node
// Seeds the staging database with a demo site and a few hubs.
//
// FAKE test fixture for keysift: the fallback connection string is made up.
'use strict';

const { MongoClient } = require('mongodb');
const crypto = require('node:crypto');

const uri =
  process.env.MONGO_URI ||
  'mongodb+srv://seed-bot:ItZUCVwjXsMs7i2tLxrRf0@cluster0.lumen-staging.mongodb.net/lumen?retryWrites=true&w=majority';

const SITE = {
  _id: 'site-berlin-hq',
  name: 'Berlin HQ',
  timezone: 'Europe/Berlin',
  floors: 4,
};

function hub(n) {
  const serial = `lumen-hub-${String(n).padStart(6, '0')}`;
  return {
    _id: serial,
    site: SITE._id,
    firmware: '2.3.0',
    claimCode: crypto.randomBytes(4).toString('hex'),
    createdAt: new Date(),
  };
}

async function main() {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db('lumen');
    await db.collection('sites').updateOne({ _id: SITE._id }, { $set: SITE }, { upsert: true });
    const hubs = Array.from({ length: 12 }, (_, i) => hub(140 + i));
    for (const h of hubs) {
      await db.collection('hubs').updateOne({ _id: h._id }, { $setOnInsert: h }, { upsert: true });
    }
    console.log(`seeded ${hubs.length} hubs into ${SITE._id}`);
  } finally {
    await client.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
