"use strict";
// /docs: the API reference, drawn from /openapi.json. The gateway is offline, so there is no
// Swagger UI from a CDN; this lists each route with what it does, its parameters and the
// fields of its request body (name, type, required, what it means, an example).

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function paragraphs(text) {
  // A description is plain words; a blank line starts a new paragraph.
  return String(text || "").split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, " ").trim()).filter(Boolean)
    .map((p) => el("p", p));
}

function resolve(spec, schema) {
  let seen = 0;
  while (schema && schema.$ref && seen++ < 10) {
    const name = schema.$ref.split("/").pop();
    schema = (spec.components && spec.components.schemas || {})[name];
  }
  return schema || {};
}

function typeOf(spec, schema) {
  schema = resolve(spec, schema);
  if (schema.anyOf) {
    return schema.anyOf.map((s) => typeOf(spec, s)).filter((t) => t !== "null").join(" or ") || "null";
  }
  if (schema.enum) return "one of " + schema.enum.join(", ");
  if (schema.type === "array") return "list of " + typeOf(spec, schema.items || {});
  let type = schema.type || "object";
  const limits = [];
  if (schema.minLength === 1) limits.push("not empty");
  else if (schema.minLength > 1) limits.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) limits.push(`at most ${schema.maxLength} characters`);
  if (schema.minimum !== undefined) limits.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) limits.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) limits.push(`≤ ${schema.maximum}`);
  if (limits.length) type += ` (${limits.join(", ")})`;
  return type;
}

function exampleOf(schema) {
  if (schema.examples && schema.examples.length) return JSON.stringify(schema.examples[0]);
  if (schema.example !== undefined) return JSON.stringify(schema.example);
  return "";
}

function fieldTable(caption, rows) {
  const table = el("table", null, "fields");
  table.append(el("caption", caption));
  const head = el("tr");
  for (const title of ["field", "type", "required", "what it is", "example"]) head.append(el("th", title));
  table.append(head);
  for (const row of rows) {
    const tr = el("tr");
    const name = el("td"); name.append(el("code", row.name));
    tr.append(name, el("td", row.type), el("td", row.required ? "yes" : "no"),
      el("td", row.description), el("td", row.example, "example"));
    table.append(tr);
  }
  return table;
}

function bodyTable(spec, body) {
  const content = body.content || {};
  const media = Object.keys(content)[0];
  if (!media) return null;
  const schema = resolve(spec, content[media].schema);
  const required = new Set(schema.required || []);
  const rows = Object.entries(schema.properties || {}).map(([name, prop]) => {
    const plain = resolve(spec, prop);
    return {
      name,
      type: typeOf(spec, prop),
      required: required.has(name),
      description: prop.description || plain.description || "",
      example: exampleOf(prop),
    };
  });
  return fieldTable(`Request body (${media})${schema.title ? ": " + schema.title : ""}`, rows);
}

function parameterTable(spec, parameters) {
  const rows = parameters.map((p) => ({
    name: p.name,
    type: `${typeOf(spec, p.schema || {})}, in the ${p.in}`,
    required: Boolean(p.required),
    description: p.description || (p.schema && p.schema.description) || "",
    example: exampleOf(p.schema || {}),
  }));
  return fieldTable("Parameters", rows);
}

function route(spec, path, method, op) {
  const box = el("section", null, "route");
  const head = el("div");
  head.append(el("span", method.toUpperCase(), "method"), el("code", path));
  box.append(head, el("h3", op.summary || ""));
  box.append(...paragraphs(op.description));
  if (op.parameters && op.parameters.length) box.append(parameterTable(spec, op.parameters));
  if (op.requestBody) {
    const table = bodyTable(spec, op.requestBody);
    if (table) box.append(table);
  }
  return box;
}

function draw(spec) {
  const main = document.getElementById("docs");
  main.replaceChildren(...paragraphs(spec.info && spec.info.description));
  const groups = new Map();
  for (const [path, ops] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(route(spec, path, method, op));
    }
  }
  for (const [tag, boxes] of groups) main.append(el("h2", tag, "tag"), ...boxes);
}

fetch("/openapi.json", { credentials: "same-origin" })
  .then((r) => { if (!r.ok) throw new Error(`${r.status} ${r.statusText}`); return r.json(); })
  .then(draw)
  .catch((e) => { document.getElementById("docs").textContent = "Could not load the API schema: " + e; });
