// A real OpenID provider for the tests: oidc-provider (the certified Node.js library, from npm),
// on loopback, with test users and one client, the app. Started and stopped by tests/oidc/real_provider.py.
//   node tests/oidc/provider.mjs   with PORT, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI set
// Each start makes a new signing key (a new kid), so stopping and starting it rotates its keys.
// Its sign-in page is the library's development page: any password; the login name picks a test user.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
export const CLIENT_ID = 'casefile-browser-test';

const USERS = {
  sam: { email: 'sam.worker@council.test', email_verified: true, name: 'Sam Worker' },
  unverified: { email: 'unverified@council.test', email_verified: false, name: 'Una Verified' },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `key-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET || 'casefile-browser-test-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.POST_LOGOUT_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims of the scopes asked for go in the ID token itself, as Entra ID sends them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  // A first-party app: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    if (!USERS[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...USERS[id] }; } };
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer} ${signingKey.kid}`);
});
