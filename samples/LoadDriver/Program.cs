using TailGuard.Samples.LoadDriver;

return await LoadCommand.Create().Parse(args).InvokeAsync();
