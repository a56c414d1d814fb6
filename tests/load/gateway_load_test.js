// k6 load test of the BitCraps gateway (the design document's scenario).
//
//   BITCRAPS_GATEWAY=http://127.0.0.1:8080 \
//   BITCRAPS_TOKEN="$(bitcraps auth token --sub k6 --role admin)" \
//   k6 run tests/load/gateway_load_test.js
//
// The same scenario, thresholds included, runs without k6 as
//   bitcraps bench gateway --rate 40 --duration 30s --max-p95 500ms --max-error-rate 0.01
// (CI runs a few seconds of it: tests/integration_microservices.rs). Both
// send the same mix: health 1, list 1, create (then leave) 1, get 4,
// field bet 2, roll 2, on 16 craps games, one player (bench-N) each.

import http from 'k6/http';
import { check } from 'k6';

const BASE = (__ENV.BITCRAPS_GATEWAY || 'http://127.0.0.1:8080').replace(/\/$/, '');
const API = `${BASE}/api/v1`;
const TOKEN = __ENV.BITCRAPS_TOKEN; // an admin token: players are named bench-N
const RATE = Number(__ENV.RATE || 40);
const DURATION = __ENV.DURATION || '30s';
const PLAYERS = Number(__ENV.PLAYERS || 16);

export const options = {
  scenarios: {
    // Open loop at a fixed arrival rate, like `bench gateway --rate`:
    // latency includes the wait when the system falls behind.
    mix: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 16,
      maxVUs: 64,
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
  },
};

const params = () => ({
  headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
});

function newGame(player) {
  return JSON.stringify({
    game_type: 'craps',
    players: [{ id: player, buy_in: 1000000 }],
    config: { min_bet: 1, max_bet: 1000000 },
  });
}

function act(game, player, action) {
  return http.post(
    `${API}/games/${game}/actions`,
    JSON.stringify({ player_id: player, action }),
    params(),
  );
}

export function setup() {
  if (!TOKEN) throw new Error('set BITCRAPS_TOKEN (bitcraps auth token --sub k6 --role admin)');
  const games = [];
  for (let i = 0; i < PLAYERS; i++) {
    const player = `bench-${i}`;
    const r = http.post(`${API}/games`, newGame(player), params());
    check(r, { 'setup game created': (x) => x.status === 201 });
    games.push({ id: r.json('id'), player });
  }
  return { games };
}

// The mix's cycle of 11 slots: the bench's weights (its order differs).
const CYCLE = ['get', 'bet', 'roll', 'get', 'health', 'list', 'get', 'bet', 'create', 'roll', 'get'];

export default function (data) {
  const n = __ITER + __VU * 1000003;
  const { id, player } = data.games[n % data.games.length];
  switch (CYCLE[n % CYCLE.length]) {
    case 'health':
      check(http.get(`${BASE}/health`), { 'health 200': (r) => r.status === 200 });
      break;
    case 'list':
      check(http.get(`${API}/games?limit=10`, params()), { 'list 200': (r) => r.status === 200 });
      break;
    case 'get':
      check(http.get(`${API}/games/${id}`, params()), { 'get 200': (r) => r.status === 200 });
      break;
    case 'bet':
      check(act(id, player, { type: 'bet', bet: 'field', amount: 1 }), { 'bet 200': (r) => r.status === 200 });
      break;
    case 'roll':
      check(act(id, player, { type: 'roll' }), { 'roll 200': (r) => r.status === 200 });
      break;
    case 'create': {
      const r = http.post(`${API}/games`, newGame(player), params());
      if (check(r, { 'create 201': (x) => x.status === 201 })) {
        check(act(r.json('id'), player, { type: 'leave' }), { 'leave 200': (x) => x.status === 200 });
      }
      break;
    }
  }
}

export function teardown(data) {
  for (const { id, player } of data.games) {
    act(id, player, { type: 'roll' });
    act(id, player, { type: 'leave' });
  }
}
