// Finding customers among a thousand: what a typed filter matches, and the tags and environments to pick by.
// No DOM here, so Node tests it (tests/web/js/customer-search.test.mjs).

/** The words a customer is found by: its code, name, environment and tags, lower-cased. */
export function searchText(customer) {
  return [customer.code, customer.name, customer.environment, ...(customer.tags || [])].join(" ").toLowerCase();
}

/**
 * The customers that `text` matches: every word of it must occur in the customer's code, name, environment or a
 * tag ("eu fin" finds the European finance customers). An empty filter matches everyone.
 */
export function matchCustomers(customers, text) {
  const words = String(text || "").toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return customers;
  return customers.filter((customer) => {
    const haystack = customer.search || searchText(customer);
    return words.every((word) => haystack.includes(word));
  });
}

/**
 * The groups to select by: `{key, label, codes}` for each environment ("env:prod") and tag ("tag:eu"), sorted by
 * name, environments first.
 */
export function customerGroups(customers) {
  const environments = new Map();
  const tags = new Map();
  const add = (map, name, code) => {
    if (!map.has(name)) map.set(name, []);
    map.get(name).push(code);
  };
  for (const customer of customers) {
    if (customer.environment) add(environments, customer.environment, customer.code);
    for (const tag of customer.tags || []) add(tags, tag, customer.code);
  }
  const groups = (map, prefix, words) =>
    [...map.keys()].sort().map((name) => ({
      key: `${prefix}:${name}`,
      label: `${words} ${name} (${map.get(name).length})`,
      codes: map.get(name),
    }));
  return {
    environments: groups(environments, "env", "Environment"),
    tags: groups(tags, "tag", "Tag"),
  };
}

/** "3 selected", "1 selected of 1,000 customers" and the like, for the live count under the filter. */
export function countText(selected, matching, total) {
  const matches = matching === total ? `${total.toLocaleString("en-US")} customers` : `${matching.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} customers match`;
  return `${selected.toLocaleString("en-US")} selected · ${matches}`;
}

/** Customer codes in a sentence: "alpha, bravo, charlie", or past `limit` "alpha, …, echo and 995 more". */
export function codesText(codes, limit = 5) {
  const all = codes || [];
  if (all.length <= limit) return all.join(", ");
  return `${all.slice(0, limit).join(", ")} and ${(all.length - limit).toLocaleString("en-US")} more`;
}
