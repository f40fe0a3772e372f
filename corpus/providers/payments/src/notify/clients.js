'use strict';
// Notification clients for the hub's alerting (SMS, voice, email).
const twilio = require('twilio');
const { Vonage } = require('@vonage/server-sdk');
const plivo = require('plivo');
const { Resend } = require('resend');
const { lemonSqueezySetup } = require('@lemonsqueezy/lemonsqueezy.js');

// TODO(ops): move to the secret store before the audit
const smsClient = twilio(
  'AC454221c2fe7cc5304e4b7d388cd93923',
  'cc5ef116a25f2a815f00a5495770209f',
);

const vonage = new Vonage({ apiKey: process.env.VONAGE_API_KEY, apiSecret: process.env.VONAGE_API_SECRET });

const voice = new plivo.Client(
  'MA86CWGES1TYORFUFOXC',
  'S091shcLbvDzLl5VqIhaMZGfbg2lJI4kbhUFXxJE',
);

const mailer = new Resend(process.env.RESEND_API_KEY);

lemonSqueezySetup({
  apiKey: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiIzZjJkYTk2Yi01MmRiLTQxYzgtYjAxMS1kMzUxMmYyYzZiZjciLCJqdGkiOiJjMTEwYjk2OWIzOGNmMGIyNDUyZmU1NTM2MTE5NWViYzczNGM2NTE4ZmU5ZThlNWE3OGZiYTVjZDdkZjZmMmRhMWJmOGMxOGVkNThkMzJmNiIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NjAwLCJleHAiOjIwODI3NTg0MDAsInN1YiI6IjE1NjkxNzAiLCJzY29wZXMiOltdfQ.ogF1YpkDW9o-KHk7qhHFUaQ4ShMp2JFZ5hXKDSCuK1gejrriE5SKcOlCo0SSPAgni-X37AyDrjSyb6y8iVNTUe8DtApw6MZKdeTn_48PBciO8Wce8KD0mL84sTUpTowxn4DM2h8PhVXQYHfquIw6wh-NMXgiEI3CYWzDnU_80utfCLaxpvuEj40OyzZD_tz2yhrsYDT0Z0KHZrXYD5jW7zoL73DAZ8IUXmd83LZ8QPbzet6Vc1_Ia7yO71lWcCraGwaef8VN4s5tHCg4QYlXMTEI0bEMXmSbHPA_ZkiCXcEFuP-7HM9OWPf3lg2MyjVfqZw3WJn5CJrV6qoYo0QeTg',
  onError: (error) => console.error('lemon squeezy:', error),
});

module.exports = { smsClient, vonage, voice, mailer };
