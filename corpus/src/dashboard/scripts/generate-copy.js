#!/usr/bin/env node
// Drafts release-note copy for the dashboard "What's new" panel.
//
// FAKE test fixture for keysift: the fallback key is made up (and in the old format).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const OPENAI_KEY = process.env.OPENAI_API_KEY || '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';
const MODEL = 'gpt-3.5-turbo';
const CHANGELOG = path.join(__dirname, '..', '..', '..', 'docs', 'CHANGELOG.md');

async function draft(entries) {
  const resp = await fetch('https://api.openai.com/v1/chat/completions', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${OPENAI_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      model: MODEL,
      temperature: 0.4,
      messages: [
        { role: 'system', content: 'Write friendly, short release notes for facility managers.' },
        { role: 'user', content: entries.join('\n') },
      ],
    }),
  });
  if (!resp.ok) {
    throw new Error(`openai: ${resp.status} ${await resp.text()}`);
  }
  const body = await resp.json();
  return body.choices[0].message.content;
}

async function main() {
  const text = fs.readFileSync(CHANGELOG, 'utf8');
  const latest = text.split(/^## /m)[1] || '';
  const entries = latest.split('\n').filter((l) => l.startsWith('- '));
  if (entries.length === 0) {
    console.error('no entries in the latest CHANGELOG section');
    process.exit(1);
  }
  process.stdout.write((await draft(entries)) + '\n');
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
