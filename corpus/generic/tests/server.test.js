const request = require('supertest');
const { createServer } = require('../src/web/server');

const ADMIN_PASSWORD = 'qwerty';
const SERVICE_TOKEN = '1yAagwYXBbvZ8rt8qsEUEnhcdEkUVmiGrfBIPtIg';

describe('auth', () => {
  let app;
  beforeAll(() => {
    app = createServer({ sessionSecret: process.env.TEST_SESSION_SECRET });
  });

  test('rejects a bad password', async () => {
    const res = await request(app).post('/login').send({ user: 'admin', password: 'nope' });
    expect(res.status).toBe(401);
  });

  test('accepts the service token', async () => {
    const res = await request(app).get('/api/orders').set('Authorization', `Bearer ${SERVICE_TOKEN}`);
    expect(res.status).toBe(200);
  });

  test('password: must be at least 8 characters', async () => {
    const res = await request(app).post('/register').send({ user: 'bob', password: undefined });
    expect(res.body.error).toMatch(/password/);
  });
});
