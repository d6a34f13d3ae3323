// The official OpenAI Node client, unchanged, against a Trit server: node openai-client.cjs BASE_URL
// (NODE_PATH must reach a node_modules with the "openai" package). Prints one JSON object of results.
const OpenAI = require('openai');

async function main() {
  const client = new OpenAI({ baseURL: process.argv[2], apiKey: process.env.TRIT_API_KEY || 'unused', maxRetries: 0 });
  const result = {};

  const models = await client.models.list();
  result.models = models.data.map((m) => m.id);

  const whole = await client.chat.completions.create({
    model: 'tokens-3-10',
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }],
    temperature: 0.2, max_tokens: 3, stop: ['END'],
  });
  result.whole = { object: whole.object, content: whole.choices[0].message.content,
    finish_reason: whole.choices[0].finish_reason, usage: whole.usage };

  const stream = await client.chat.completions.create({
    model: 'tokens-4-20', messages: [{ role: 'user', content: 'count' }],
    stream: true, stream_options: { include_usage: true },
  });
  const deltas = [];
  let role = null; let finish = null; let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.role) role = choice.delta.role;
    if (choice.delta.content) deltas.push(choice.delta.content);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  result.stream = { role, deltas, finish_reason: finish, usage };

  const completion = await client.completions.create({ model: 'tokens-2-10', prompt: 'Once upon', max_tokens: 5 });
  result.completion = { object: completion.object, text: completion.choices[0].text };

  try {
    await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
    result.unknownModel = 'no error';
  } catch (e) {
    result.unknownModel = { status: e.status, code: e.code, message: e.message, isNotFound: e instanceof OpenAI.NotFoundError };
  }

  try {
    await client.chat.completions.create({ model: 'tokens-3-10', messages: [{ role: 'user', content: 'x' }], temperature: 5 });
    result.badTemperature = 'no error';
  } catch (e) {
    result.badTemperature = { status: e.status, param: e.param, isBadRequest: e instanceof OpenAI.BadRequestError };
  }

  // A client that stops reading: abort after two tokens of an endless stream.
  const controller = new AbortController();
  const endless = await client.chat.completions.create({
    model: 'endless-50', messages: [{ role: 'user', content: 'go on' }], stream: true,
  }, { signal: controller.signal });
  let received = 0;
  let ended = 'normally';
  try {
    for await (const chunk of endless) {
      if (chunk.choices[0] && chunk.choices[0].delta.content) received++;
      if (received === 2) controller.abort();
    }
  } catch (e) {
    ended = e.name;
  }
  result.aborted = { received, ended };
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
