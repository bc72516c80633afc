import { signToken, TEST_SECRET } from '../auth/tokens.js';
import { describeBridgeBehaviour } from './bridge-behaviour.js';
import { permissionCases, TEST_AUDIENCE } from './permission-cases.js';

// Authorization on, as deployed by default: the whole behaviour suite with a full-access token, then the
// permission matrix, on one local stack (the authorizer on $connect, with an audience configured).
describeBridgeBehaviour(
  'query',
  { secret: TEST_SECRET, audience: TEST_AUDIENCE, token: () => signToken({ aud: TEST_AUDIENCE }) },
  permissionCases,
);
