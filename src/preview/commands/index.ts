/** The `/preview` commands of pull-request comments: parsing, permissions and replies. */
export { handleCommand, type CommentCommand } from "./handle-command.js";
