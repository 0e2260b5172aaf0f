/** The `/preview` commands of pull-request comments: parsing, permissions and replies. */
export { handleCheckRunAction, handleCommand, type CheckRunRequest, type CommandDeps, type CommentCommand } from "./handle-command.js";
