export { eventually } from '../../infra/dev/eventually';
