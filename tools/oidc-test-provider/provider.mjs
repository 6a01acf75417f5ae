// A real OpenID Provider for the single sign-on tests: panva's oidc-provider on a
// loopback port over HTTPS, with the clients and accounts the test names and a
// one-form sign-in a test can post without a browser.
//
// Usage: node provider.mjs CONFIG.json
// CONFIG: {"port": 0, "host": "127.0.0.1", "cert": "cert.pem", "key": "key.pem",
//          "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//          "accounts_file": "accounts.json"}
// ACCOUNTS: {"<sub>": {"preferred_username", "email", "name", "groups": [...]}}, read at
// every sign-in so that a test can change someone's groups between two of them.
// Prints one line "listening <issuer>" once it serves; the test reads it.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const host = config.host ?? "127.0.0.1";
const accounts = () => JSON.parse(readFileSync(config.accounts_file, "utf8"));

function signingKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: "test-1", use: "sig", alg: "RS256" };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function start(issuer, server) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      ...c,
    })),
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username", "groups"],
    },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx, sub) {
      const account = accounts()[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email_verified: true, ...account }) };
    },
    // First-party test clients: no consent screen, the requested scopes are granted.
    async loadExistingGrant(ctx) {
      const grantId =
        ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope ?? "openid");
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  // The sign-in: GET shows a form naming the account, POST signs that account in.
  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === "GET") {
      ctx.type = "html";
      ctx.body =
        `<!doctype html><title>Test IdP</title><form method="post" action="${ctx.path}">` +
        `<input name="login" value=""><button>Sign in</button>` +
        `<p>${escapeHtml(details.prompt.name)}</p></form>`;
      return undefined;
    }
    const login = (await formBody(ctx.req)).get("login") ?? "";
    if (!accounts()[login]) {
      ctx.status = 400;
      ctx.body = "unknown account";
      return undefined;
    }
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
    return undefined;
  });
  server.on("request", provider.callback());
}

const server = https.createServer({
  cert: readFileSync(config.cert),
  key: readFileSync(config.key),
});
server.listen(config.port ?? 0, host, () => {
  const issuer = `https://${host}:${server.address().port}`;
  start(issuer, server);
  process.stdout.write(`listening ${issuer}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
