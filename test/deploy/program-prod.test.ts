// The prod stack under Pulumi mocks: it has a release record, so it builds nothing.
import { mocksFor } from './stack-run';
import { releaseStackSuite, SMTP } from './release-stack-suite';

const recorder = mocksFor('prod', SMTP, Object.keys(SMTP));

releaseStackSuite('prod', recorder);
