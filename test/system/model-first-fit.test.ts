/**
 * The whole-system model test on the first-fit frame allocator, every format: machines of random
 * operations checked against the reference model (model-run.ts). With the first-fit or buddy twin
 * file, more than 100 000 operations a run of the suite; `npm run soak` runs more.
 */
import { describeModelCampaign } from './model-campaign.js';

describeModelCampaign('first-fit');
