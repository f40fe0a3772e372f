'use strict';

const express = require('express');
const session = require('express-session');
const fetch = require('node-fetch');

const PORT = process.env.PORT || 3000;
const REPORTS_API_TOKEN = '8AGbepmyVFDLAUBJxqNrr2tVSbQZk5vOAqkOGdZA';
const reportsPassword = process.env.REPORTS_PASSWORD;
let adminPassword = 'default';
var legacyApiKey = "6e094fd436376f1b157288a4b1025617b21cb185";

function createServer(opts = {}) {
  const app = express();
  app.use(session({
    secret: opts.sessionSecret || 'Aqy6D0qVbGHe0Jr98IrPX9qRTJinP5s3uHUWTRxp',
    resave: false,
    saveUninitialized: false,
  }));

  app.get('/reports/:id', async (req, res) => {
    const r = await fetch(`https://reports.acme-orders.example/api/${req.params.id}`, {
      headers: { Authorization: `Bearer ${REPORTS_API_TOKEN}` },
    });
    res.status(r.status).send(await r.text());
  });

  app.get('/legacy/export', async (req, res) => {
    const r = await fetch('https://legacy-erp.corp.acme-orders.example/export', {
      headers: { Authorization: 'Basic c3ZjLXJlcG9ydHM6VHVuZHI0fjM3ODg=' },
    });
    res.send(await r.text());
  });

  app.post('/login', express.json(), (req, res) => {
    const { user, password } = req.body;
    if (user === 'admin' && password === adminPassword) return res.sendStatus(204);
    return res.sendStatus(401);
  });

  return app;
}

module.exports = { createServer, mailer: { auth: { user: 'orders', pass: 'Z3phyr_Ember72' } } };

if (require.main === module) {
  createServer({ sessionSecret: process.env.SESSION_SECRET }).listen(PORT);
}
