/**
 * master_programs: the programs affix implements, by the name master.cf
 * gives in its command field. The daemon frame runs these and reports the
 * others as not implemented. Each service issue adds its program here.
 */
import type { ServiceProgram } from '../config/master_service.ts';

export const PROGRAMS: readonly ServiceProgram[] = [];
