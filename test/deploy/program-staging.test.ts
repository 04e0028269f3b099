// The staging stack under Pulumi mocks: images from its release record, SMTP login from secret config.
import { mocksFor } from './stack-run';
import { releaseStackSuite, SMTP } from './release-stack-suite';

const recorder = mocksFor('staging', SMTP, Object.keys(SMTP));

releaseStackSuite('staging', recorder);
