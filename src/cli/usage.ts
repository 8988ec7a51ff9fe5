/** The usage lines of the commands in src/cli/, apart from them so that `itinera help` loads none of their modules. */
export const DEPLOY_USAGE = 'itinera deploy <file.itn> [--yes] [--note "…"] [--diff]';
export const TEMPLATES_USAGE = 'itinera templates push <dir>';
