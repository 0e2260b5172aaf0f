/** The `/preview` commands of pull-request comments: parsing, permissions and replies. */
export { DASHBOARD_LABEL, handleCheckRunAction, handleCommand, handleDashboardAction, type CheckRunRequest, type CommandDeps, type CommentCommand, type DashboardActionId, type DashboardActionRequest } from "./handle-command.js";
