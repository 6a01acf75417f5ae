// Modeler compatibility check: would bpmn.io / Camunda Modeler open these files
// cleanly? They read BPMN with bpmn-moddle and lint it with bpmnlint, so we run
// exactly those.
//
// stdin:  [{"name": "incident.bpmn", "content": "<xml text>"}, ...]
// stdout: [{"file", "source", "rule", "element_id", "message", "category"}, ...]
// Exit 0 whenever the check ran, findings or not; non-zero only when it could not.
//
// The spiffworkflow:* elements inside bpmn:extensionElements need no moddle
// descriptor: bpmn-moddle keeps elements of an unknown namespace there as
// generic elements without a warning (checked with bpmn-moddle 10.3.1).

import { createRequire } from 'node:module';

import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

const LINT_CONFIG = { extends: 'bpmnlint:correctness' };

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function finding(file, source, rule, elementId, message, category) {
  return {
    file,
    source,
    rule: rule ?? null,
    element_id: elementId ?? null,
    message: String(message),
    category
  };
}

async function checkFile(moddle, linter, { name, content }) {
  const findings = [];

  let parsed;
  try {
    parsed = await moddle.fromXML(content);
  } catch (err) {
    return [ finding(name, 'bpmn-moddle', null, null, err.message, 'error') ];
  }

  for (const warning of parsed.warnings) {
    findings.push(
      finding(name, 'bpmn-moddle', null, warning.element?.id, warning.message, 'warn')
    );
  }

  const results = await linter.lint(parsed.rootElement);
  for (const [ rule, reports ] of Object.entries(results)) {
    for (const report of reports) {

      // 'rule-error' means the rule itself crashed: the file was not checked.
      const category = report.category === 'warn' ? 'warn' : 'error';
      findings.push(finding(name, 'bpmnlint', rule, report.id, report.message, category));
    }
  }
  return findings;
}

async function main() {
  let files;
  try {
    files = JSON.parse(await readStdin());
  } catch (err) {

    // JSON.parse quotes the input in its message, and stderr gets logged.
    throw new Error('stdin is not valid JSON');
  }
  if (!Array.isArray(files) || !files.every(
    (f) => f && typeof f.name === 'string' && typeof f.content === 'string'
  )) {
    throw new Error('expected a JSON array of {"name": string, "content": string}');
  }

  const moddle = new BpmnModdle();

  // Scoped to this folder, so that rules resolve from our node_modules whatever
  // the caller's working directory is.
  const linter = new Linter({
    config: LINT_CONFIG,
    resolver: new NodeResolver({ require })
  });

  const findings = [];
  for (const file of files) {
    findings.push(...await checkFile(moddle, linter, file));
  }
  process.stdout.write(JSON.stringify(findings) + '\n');
}

main().catch((err) => {
  process.stderr.write(`modeler check failed: ${err.message}\n`);
  process.exitCode = 2;
});
