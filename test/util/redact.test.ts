import { describe, expect, it } from "vitest";
import { createRedactor, MASK } from "../../src/util/redact.js";

// Credentials below are the documented AWS/GitHub/Slack/JWT examples or made up; none is live.
const logLines: Array<[string, string, string]> = [
  // AWS
  ["access key id", "Using AKIAIOSFODNN7EXAMPLE for s3", "Using *** for s3"],
  ["temporary access key id", "creds ASIAY34FZKBOKMUTVV7A expired", "creds *** expired"],
  [
    "secret key in a credentials file",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = ***",
  ],
  [
    "secret key in YAML",
    "  AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "  AWS_SECRET_ACCESS_KEY: ***",
  ],
  [
    "STS credentials as JSON",
    '{"AccessKeyId":"ASIAY34FZKBOKMUTVV7A","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","SessionToken":"IQoJb3JpZ2luX2VjEJr//////////wEaCXVz"}',
    '{"AccessKeyId":"***","SecretAccessKey":"***","SessionToken":"***"}',
  ],
  // GitHub
  ["personal access token", "token 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 used", "token *** used"],
  [
    "installation token in a clone URL",
    "git clone https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git",
    "git clone https://x-access-token:***@github.com/o/r.git",
  ],
  ["OAuth token", "oauth=gho_16C7e42F292c6912E7710c838347Ae178B4a;", "oauth=***;"],
  [
    "fine-grained token",
    "GH=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF",
    "GH=***",
  ],
  // Slack
  ["bot token", "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx sent", "slack *** sent"],
  [
    "incoming webhook URL",
    "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed",
    "POST https://hooks.slack.com/services/*** failed",
  ],
  // JWT and HTTP authorization
  [
    "JWT in a cookie",
    "cookie session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk; Path=/",
    "cookie session=***; Path=/",
  ],
  ["bearer header", "Authorization: Bearer abc.def.ghi", "Authorization: Bearer ***"],
  ["basic header", "authorization: Basic dXNlcjpwYXNz", "authorization: Basic ***"],
  ["proxy header", "Proxy-Authorization: Negotiate YIIJvwYGKwYBBQUCoIIJszCCCa8", "Proxy-Authorization: Negotiate ***"],
  [
    "header in a JS object dump",
    "headers: { authorization: 'token ghp_x', host: 'api.github.com' }",
    "headers: { authorization: 'token ***', host: 'api.github.com' }",
  ],
  ["header in JSON", '{"authorization":"Bearer 123456789","x":1}', '{"authorization":"Bearer ***","x":1}'],
  ["bearer token outside a header", "retrying with Bearer 0123456789abcdef", "retrying with Bearer ***"],
  // URLs with credentials
  ["postgres URL", "Connecting to postgres://app:hunter2@db:5432/app", "Connecting to postgres://app:***@db:5432/app"],
  ["password holding an @", "redis://:p@ss@cache:6379/0", "redis://:***@cache:6379/0"],
  ["amqp URL in an env line", "BROKER_URL=amqps://guest:guest@mq/vhost", "BROKER_URL=amqps://guest:***@mq/vhost"],
  // key/value pairs
  ["password field", "login password=hunter2 user=bob", "login password=*** user=bob"],
  ["passwd with a quoted value", "PASSWD: 'hunter 2' next", "PASSWD: '***' next"],
  ["secret in double quotes", 'secret="top secret" done', 'secret="***" done'],
  ["token in a query string", "GET /cb?token=abc123&page=2", "GET /cb?token=***&page=2"],
  ["api_key in YAML", "api_key: 12345abcde", "api_key: ***"],
  ["x-api-key header", "x-api-key: 8f14e45fceea167a5a36dedd4bea2543", "x-api-key: ***"],
  ["command-line flag", "mysqldump --password=hunter2 --user bob", "mysqldump --password=*** --user bob"],
  ["camelCase key", '{"user":"bob","accessToken":"abcdef"}', '{"user":"bob","accessToken":"***"}'],
  ["client_secret in a list", "client_id=abc, client_secret=xyz, scope=repo", "client_id=abc, client_secret=***, scope=repo"],
  ["Ruby hash rocket", ':password => "hunter2"', ':password => "***"'],
  ["ADO.NET connection string", "Server=db;Uid=sa;Pwd=Sup3r!;", "Server=db;Uid=sa;Pwd=***;"],
  // names that look secret
  ["env line: value up to the end of the line", "DB_PASSWORD=correct horse battery staple", "DB_PASSWORD=***"],
  ["exported env line", "export GITHUB_TOKEN=whatever value", "export GITHUB_TOKEN=***"],
  ["KEY anywhere in the name", "STRIPE_KEY_ID=sk_live_123 rest", "STRIPE_KEY_ID=***"],
  ["CREDENTIAL in the name", "GOOGLE_APPLICATION_CREDENTIALS_JSON={\"type\":1}", "GOOGLE_APPLICATION_CREDENTIALS_JSON=***"],
  ["PRIVATE in the name, mid-line", "env: SSH_PRIVATE=abc OTHER=1", "env: SSH_PRIVATE=*** OTHER=1"],
  [
    "ECS environment entries",
    '[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"DB_HOST","value":"db"}]',
    '[{"name":"DB_PASSWORD","value":"***"},{"name":"DB_HOST","value":"db"}]',
  ],
  ["CRLF env dump", "DB_HOST=db\r\nDB_PASSWORD=x\r\nOK=1", "DB_HOST=db\r\nDB_PASSWORD=***\r\nOK=1"],
  // private keys
  [
    "RSA private key block",
    "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nq3Vw\n-----END RSA PRIVATE KEY-----\nafter",
    "key:\n-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----\nafter",
  ],
  [
    "JSON-escaped private key",
    '{"private_key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\\n","x":1}',
    '{"private_key":"***","x":1}',
  ],
  [
    "private key cut off by the log tail",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA",
    "-----BEGIN OPENSSH PRIVATE KEY-----***",
  ],
  // left alone
  ["a plain URL", "GET http://localhost:3000/ping 200", "GET http://localhost:3000/ping 200"],
  ["times and ports", "Error: connect ECONNREFUSED 10.0.0.5:5432 at 12:30:45", "Error: connect ECONNREFUSED 10.0.0.5:5432 at 12:30:45"],
  ["a cache key", "key=value cache key=abc", "key=value cache key=abc"],
  ["a nested credentials object is scanned, not hidden", 'credentials: {"user":"a","password":"b"}', 'credentials: {"user":"a","password":"***"}'],
  ["an empty password at the end of a line", "password:\nuser=bob", "password:\nuser=bob"],
  ["a non-secret env line", "NODE_ENV=production", "NODE_ENV=production"],
];

describe("createRedactor", () => {
  const redact = createRedactor();

  it("has at least 25 log lines", () => {
    expect(logLines.length).toBeGreaterThanOrEqual(25);
  });

  it.each(logLines)("%s", (_name, line, expected) => {
    expect(redact(line)).toBe(expected);
  });

  it("is idempotent", () => {
    for (const [, line] of logLines) expect(redact(redact(line))).toBe(redact(line));
  });

  it("hides known secret values, also URL-encoded and JSON-escaped", () => {
    const r = createRedactor({ secretValues: ["p@ss w/rd", 'q"uote\\d', "abc", ""] });
    expect(r("raw p@ss w/rd, url p%40ss%20w%2Frd, json q\\\"uote\\\\d, raw q\"uote\\d")).toBe(
      "raw ***, url ***, json ***, raw ***",
    );
    // Shorter than 4 characters: ignored rather than hiding every "abc" in a log.
    expect(r("abc is short")).toBe("abc is short");
  });

  it("hides the longer of two overlapping known values whole", () => {
    const r = createRedactor({ secretValues: ["hunter", "hunter2-extended"] });
    expect(r("pw hunter2-extended and hunter")).toBe("pw *** and ***");
  });

  it("hides the values of the given secret names, whatever their case", () => {
    const r = createRedactor({ secretNames: ["STRIPE_LIVE", "database_url"] });
    expect(r("STRIPE_LIVE=opaque value\nheader stripe_live: opaque2 next\nDATABASE_URL=mysql://db/app")).toBe(
      "STRIPE_LIVE=***\nheader stripe_live: *** next\nDATABASE_URL=***",
    );
    expect(r('{"name":"Database_Url","value":"mysql://db/app"}')).toBe('{"name":"Database_Url","value":"***"}');
  });

  it("never throws", () => {
    const hostile = { toString: () => { throw new Error("boom"); } };
    expect(createRedactor()(hostile as unknown as string)).toBe("[text withheld: it could not be checked for secrets]");
    const odd = createRedactor({ secretValues: [42 as unknown as string], secretNames: [null as unknown as string] });
    expect(odd(12345 as unknown as string)).toBe("12345");
  });

  it("uses *** as the mask", () => {
    expect(MASK).toBe("***");
  });
});

describe("createRedactor on adversarial 1 MB lines", () => {
  const redact = createRedactor({ secretValues: ["hunter22"], secretNames: ["X"] });
  const M = 1_000_000;
  // Inputs shaped to make a backtracking regex quadratic; a linear scan finishes each in milliseconds.
  const cases: Array<[string, string, string]> = [
    ["a run of letters", "a".repeat(M), "a".repeat(M)],
    ["JWT prefixes", "eyJ".repeat(M / 3), "eyJ".repeat(M / 3)],
    // 125 000 segments: 41 666 three-part tokens, then a two-part one with an empty signature.
    ["JWT-like segments", "eyJaaaa.".repeat(M / 8), `${"***.".repeat(41_666)}***`],
    ["AWS key prefixes", "AKIA".repeat(M / 4), "AKIA".repeat(M / 4)],
    ["GitHub token prefixes", "ghp_".repeat(M / 4), "ghp_".repeat(M / 4)],
    ["URL scheme separators", "://a:".repeat(M / 5), "://a:".repeat(M / 5)],
    ["a password URL with a million @", `://:${"@".repeat(M)}`, "://:***@"],
    ["key separators", "a=".repeat(M / 2), "a=".repeat(M / 2)],
    ["quoted keys", '"a":'.repeat(M / 4), '"a":'.repeat(M / 4)],
    // Each quote closes the previous value; the last one, never closed, holds nothing to hide.
    ["unclosed quoted secrets", "token='".repeat(142_858), "token='***'".repeat(71_429)],
    ["an unclosed quote to the end", `token='${"x".repeat(M)}`, "token='***"],
    ["authorization keys", "authorization: ".repeat(M / 15), "authorization: ***"],
    ["private key openers", "-----BEGIN PRIVATE KEY-----".repeat(M / 27), "-----BEGIN PRIVATE KEY-----***"],
    ["a long private key header", `-----BEGIN ${"A ".repeat(M / 2)}`, `-----BEGIN ${"A ".repeat(M / 2)}`],
    ["ECS name/value openers", '{"name":"A","value":"'.repeat(M / 21), '{"name":"A","value":"'.repeat(M / 21)],
    ["bearer words", "bearer ".repeat(M / 7), "bearer ".repeat(M / 7)],
    ["spaces before a letter", `${" ".repeat(M)}x`, `${" ".repeat(M)}x`],
    ["secret env names", "DB_PASSWORD=".repeat(M / 12), "DB_PASSWORD=***"],
  ];

  it.each(cases)("%s", (_name, input, expected) => {
    expect(input.length).toBeGreaterThan(M * 0.9);
    const out = redact(input);
    // Compared in a compact form so that a failure prints a readable difference, not 1 MB.
    const digest = (s: string) => ({ length: s.length, head: s.slice(0, 60), tail: s.slice(-60) });
    expect(digest(out)).toEqual(digest(expected));
    expect(out === expected).toBe(true);
  });
});
