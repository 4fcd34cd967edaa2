// The page's state in one place; panels subscribe to the parts they draw.
export const state = {
  me: null, // the last /api/me answer (lists: queues, topics, results, pause reasons)
  presence: null,
  call: null,
  card: null,
  pop: null,
  customer: null, // the CustomerPop the operator works with (chosen among matches or found)
  connection: "connecting", // connecting | online | reconnecting
  pbx: null,
  callbacks: null, // {count}
};

const listeners = new Map();

export function on(key, fn) {
  if (!listeners.has(key)) listeners.set(key, []);
  listeners.get(key).push(fn);
}

export function set(patch) {
  Object.assign(state, patch);
  for (const key of Object.keys(patch)) {
    for (const fn of listeners.get(key) || []) {
      try {
        fn(state[key], state);
      } catch (err) {
        console.error(err); // one broken panel never stops the others
      }
    }
  }
}
