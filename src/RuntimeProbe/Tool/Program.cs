using TailGuard.RuntimeProbe.Tool;

return (int)await ProbeCli.RunAsync(args, SystemConsole.Instance).ConfigureAwait(false);
