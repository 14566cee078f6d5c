// Asks Comunica's Memento HTTP actor (a Memento client from npm) for URL
// as of DATETIME (an RFC 3339 or HTTP date), and prints what it got as
// JSON: status, url (after redirects), Memento-Datetime, body.  The actor
// sends Accept-Datetime, and follows a TimeGate named in a Link header
// when the answer is no memento; fetch follows the TimeGate's 302.
// usage: node client.js URL DATETIME   (NODE_PATH: the installed modules)
'use strict';
const { Bus, ActionContext } = require('@comunica/core');
const { ActorHttpMemento } = require('@comunica/actor-http-memento');
const { KeysHttpMemento } = require('@comunica/context-entries');

const [url, datetime] = process.argv.slice(2);
const seen = [];
const mediatorHttp = {
  mediate: async (action) => {
    seen.push(action.input);
    return fetch(action.input, action.init);
  },
};
const actor = new ActorHttpMemento({ name: 'memento', bus: new Bus({ name: 'bus' }), mediatorHttp });
const context = ActionContext({ [KeysHttpMemento.datetime]: new Date(datetime) });

(async () => {
  await actor.test({ input: url, context });
  const res = await actor.run({ input: url, context });
  console.log(JSON.stringify({
    status: res.status,
    url: res.url,
    memento_datetime: res.headers.get('memento-datetime'),
    body: await res.text(),
    asked: seen,
  }));
})().catch((e) => { console.error(e); process.exit(1); });
