// Round trips of the userinfo part through the WHATWG URL parser: the
// password component keeps its percent-encoding.
const assert = require('node:assert');

const vectors = [
  { href: 'https://svc:%F0%9F%94%91@cdn.acme-orders.example/', password: '%F0%9F%94%91' },
  { href: 'https://svc:%E2%82%AC%C3%A9@cdn.acme-orders.example/', password: '%E2%82%AC%C3%A9' },
  { href: 'https://svc:p%40ss%3A@cdn.acme-orders.example/', password: 'p%40ss%3A' },
  { href: 'https://svc:two%20words@cdn.acme-orders.example/', password: 'two%20words' },
];

for (const v of vectors) {
  assert.strictEqual(new URL(v.href).password, v.password);
}

// Hosts of the documentation domains are never contacted.
assert.strictEqual(new URL('https://svc:Lq9!vRt3Wx7z@www.example.com/').host, 'www.example.com');
