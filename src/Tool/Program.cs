using TailGuard.Tool;

return (int)await ProbeCli.RunAsync(args, SystemConsole.Instance).ConfigureAwait(false);
