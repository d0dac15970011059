/**
 * master_worker_main: the program an smtpd worker process runs; the master
 * forks it (master_workers.ts). All the work is in master_worker.ts.
 */
import { runSmtpdWorker } from './master_worker.ts';

runSmtpdWorker(process.argv[2]);
