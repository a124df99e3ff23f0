'use strict'
// client.test.js - the npm @elastic/elasticsearch 8.x client, unmodified,
// against the Osprey node at $OSPREY_URL (tests/clients/run_node_test.py
// starts one with tests/integration/harness.py and sets it). Each assertion
// is what a real Elasticsearch 8 node answers: index/get/search, helpers.bulk,
// indices.create/delete/exists/refresh, cat.indices/health, and the
// ResponseError the client throws. The client itself insists on the
// X-Elastic-Product header and sends compatible-with=8 media types.
const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const { Client, errors } = require('@elastic/elasticsearch')

const url = process.env.OSPREY_URL
if (!url) {
  console.error('OSPREY_URL is not set: run through tests/clients/run_node_test.py')
  process.exit(1)
}
const client = new Client({ node: url, requestTimeout: 30000, maxRetries: 0 })
const created = []

async function create (index, properties) {
  created.push(index)
  const body = { index, settings: { number_of_shards: 1, number_of_replicas: 0 } }
  if (properties) body.mappings = { properties }
  const r = await client.indices.create(body)
  assert.deepEqual(r, { acknowledged: true, shards_acknowledged: true, index })
}

async function rejects (promise, status, type) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof errors.ResponseError, `expected ResponseError, got ${err}`)
    assert.equal(err.meta.statusCode, status)
    if (type) assert.equal(err.body.error.type, type)
    return true
  })
}

after(async () => {
  // by name: Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name)
  for (const index of created) await client.indices.delete({ index }, { ignore: [404] })
  await client.close()
})

test('info', async () => {
  const info = await client.info()
  assert.equal(info.tagline, 'You Know, for Search')
  assert.match(info.version.number, /^\d+\.\d+\.\d+/)
  assert.equal(typeof info.cluster_name, 'string')
})

test('indices.create / exists / delete', async () => {
  assert.equal(await client.indices.exists({ index: 'js-idx' }), false)
  await create('js-idx', { title: { type: 'text' } })
  assert.equal(await client.indices.exists({ index: 'js-idx' }), true)
  await rejects(client.indices.create({ index: 'js-idx' }), 400, 'resource_already_exists_exception')
  assert.deepEqual(await client.indices.delete({ index: 'js-idx' }), { acknowledged: true })
  assert.equal(await client.indices.exists({ index: 'js-idx' }), false)
  await rejects(client.indices.delete({ index: 'js-idx' }), 404, 'index_not_found_exception')
})

test('index / get', async () => {
  await create('js-docs')
  let r = await client.index({ index: 'js-docs', id: '1', document: { title: 'Snow Crash', year: 1992 } })
  assert.equal(r._index, 'js-docs')
  assert.equal(r._id, '1')
  assert.equal(r._version, 1)
  assert.equal(r.result, 'created')
  assert.equal(r._primary_term, 1)
  assert.equal(typeof r._seq_no, 'number')
  assert.equal(r._shards.failed, 0)
  r = await client.index({ index: 'js-docs', id: '1', document: { title: 'Snow Crash', year: 1993 } })
  assert.equal(r._version, 2)
  assert.equal(r.result, 'updated')
  const g = await client.get({ index: 'js-docs', id: '1' })
  assert.equal(g.found, true)
  assert.equal(g._version, 2)
  assert.deepEqual(g._source, { title: 'Snow Crash', year: 1993 })
  r = await client.index({ index: 'js-docs', document: { title: 'Anathem' } })
  assert.equal(r.result, 'created')
  assert.match(r._id, /^[A-Za-z0-9_-]{20}$/)
  assert.deepEqual((await client.get({ index: 'js-docs', id: r._id }))._source, { title: 'Anathem' })
  await assert.rejects(client.get({ index: 'js-docs', id: 'nope' }), (err) => {
    assert.equal(err.meta.statusCode, 404)
    assert.deepEqual(err.body, { _index: 'js-docs', _id: 'nope', found: false })
    return true
  })
  await rejects(client.get({ index: 'js-missing-index', id: '1' }), 404, 'index_not_found_exception')
})

test('helpers.bulk / refresh / search / count', async () => {
  await create('js-books', { title: { type: 'text' }, genre: { type: 'keyword' }, year: { type: 'integer' } })
  const books = [
    ['Snow Crash', 'sf', 1992], ['Anathem', 'sf', 2008], ['Cryptonomicon', 'thriller', 1999],
    ['The Diamond Age', 'sf', 1995], ['Reamde', 'thriller', 2011], ['Seveneves', 'sf', 2015]
  ]
  let i = 0
  const stats = await client.helpers.bulk({
    datasource: books.map(([title, genre, year]) => ({ title, genre, year })),
    onDocument: () => ({ index: { _index: 'js-books', _id: String(i++) } }),
    onDrop: (d) => assert.fail(`dropped: ${JSON.stringify(d)}`)
  })
  assert.equal(stats.total, 6)
  assert.equal(stats.successful, 6)
  assert.equal(stats.failed, 0)
  const rr = await client.indices.refresh({ index: 'js-books' })
  assert.equal(rr._shards.failed, 0)

  let r = await client.search({ index: 'js-books', query: { match_all: {} }, size: 100 })
  assert.deepEqual(r.hits.total, { value: 6, relation: 'eq' })
  assert.equal(r.timed_out, false)
  assert.deepEqual(new Set(r.hits.hits.map((h) => h._id)), new Set(['0', '1', '2', '3', '4', '5']))
  for (const h of r.hits.hits) assert.equal(h._score, 1)

  r = await client.search({ index: 'js-books', query: { match: { title: 'snow' } } })
  assert.equal(r.hits.total.value, 1)
  assert.equal(r.hits.hits[0]._source.title, 'Snow Crash')
  assert.ok(r.hits.hits[0]._score > 0)

  r = await client.search({
    index: 'js-books',
    query: { bool: { filter: [{ term: { genre: 'sf' } }, { range: { year: { gte: 1995 } } }] } },
    sort: [{ year: 'asc' }],
    _source: ['title']
  })
  assert.deepEqual(r.hits.hits.map((h) => h._source),
    [{ title: 'The Diamond Age' }, { title: 'Anathem' }, { title: 'Seveneves' }])
  assert.deepEqual(r.hits.hits.map((h) => h.sort), [[1995], [2008], [2015]])

  assert.equal((await client.count({ index: 'js-books' })).count, 6)
})

test('bulk conflict is reported per item', async () => {
  await create('js-bulk')
  let r = await client.bulk({ refresh: true, operations: [{ create: { _index: 'js-bulk', _id: 'a' } }, { x: 1 }] })
  assert.equal(r.errors, false)
  assert.equal(r.items[0].create.status, 201)
  r = await client.bulk({ operations: [{ create: { _index: 'js-bulk', _id: 'a' } }, { x: 2 }] })
  assert.equal(r.errors, true)
  assert.equal(r.items[0].create.status, 409)
  assert.equal(r.items[0].create.error.type, 'version_conflict_engine_exception')
})

test('cat.indices / cat.health', async () => {
  await create('js-cat')
  await client.bulk({
    refresh: true,
    operations: [0, 1, 2].flatMap((n) => [{ index: { _index: 'js-cat', _id: String(n) } }, { n }])
  })
  const rows = await client.cat.indices({ index: 'js-cat', format: 'json' })
  assert.equal(rows.length, 1)
  assert.equal(rows[0].index, 'js-cat')
  assert.equal(rows[0].health, 'green')
  assert.equal(rows[0].status, 'open')
  assert.equal(rows[0].pri, '1')
  assert.equal(rows[0].rep, '0')
  assert.equal(rows[0]['docs.count'], '3')
  const text = await client.cat.indices({ index: 'js-cat', v: true })
  const [header, line] = text.split('\n')
  assert.deepEqual(header.split(/\s+/).slice(0, 4), ['health', 'status', 'index', 'uuid'])
  assert.deepEqual(line.split(/\s+/).slice(0, 3), ['green', 'open', 'js-cat'])

  const health = await client.cat.health({ format: 'json' })
  assert.equal(health.length, 1)
  assert.ok(['green', 'yellow'].includes(health[0].status), health[0].status)
  assert.match(health[0].epoch, /^\d+$/)
  assert.equal(health[0]['node.total'], '1')
})

test('cluster.health', async () => {
  const h = await client.cluster.health()
  assert.ok(['green', 'yellow'].includes(h.status), h.status)
  assert.equal(h.number_of_nodes, 1)
  assert.equal(h.timed_out, false)
})
