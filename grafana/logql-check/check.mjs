#!/usr/bin/env node
// Parse LogQL expressions with @grafana/lezer-logql, the grammar Grafana's Loki query editor uses
// (the version pinned in package.json is the one Grafana 12 ships).
//
// stdin: a JSON array of expressions. stdout: a JSON array, one object per expression:
//   {"kind": "LogExpr" | "MetricExpr", "errors": [offset, ...],
//    "selectors": [[[label, op, quotedValue], ...], ...]}
// Lezer parsers recover from errors instead of throwing: an error shows up as an error node
// (offset listed in "errors"), which is what Grafana underlines in red.
import { readFileSync } from "node:fs";
import { parser } from "@grafana/lezer-logql";

const OPS = { Eq: "=", Neq: "!=", Re: "=~", Nre: "!~" };

function check(expr) {
  const tree = parser.parse(expr);
  const errors = [];
  const selectors = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Selector") {
        const matchers = [];
        const cursor = node.node.cursor();
        cursor.iterate((n) => {
          if (n.name !== "Matcher") return;
          const parts = [];
          let child = n.node.firstChild;
          while (child) {
            parts.push(child);
            child = child.nextSibling;
          }
          const [name, op, value] = parts;
          matchers.push([
            name ? expr.slice(name.from, name.to) : "",
            op ? OPS[op.name] ?? op.name : "",
            value ? expr.slice(value.from, value.to) : "",
          ]);
          return false;
        });
        selectors.push(matchers);
      }
    },
  });
  const kind = tree.topNode.firstChild?.firstChild?.name ?? "";
  return { kind, errors, selectors };
}

const input = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map(check)) + "\n");
