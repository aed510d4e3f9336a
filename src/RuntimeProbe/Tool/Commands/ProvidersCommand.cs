using System.CommandLine;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tool.Commands;

/// <summary><c>dotnet-tailguard providers</c>: the providers string for <c>dotnet-trace collect --providers</c>.</summary>
internal static class ProvidersCommand
{
    private static readonly Option<bool> StacksOption = new("--stacks")
    {
        Description = "Include what blocking call sites need (the runtime provider's WaitHandle, Loader and Jit keywords at Verbose), " +
                      "as 'attach --stacks' collects them.",
    };

    public static Command Create(IProbeConsole console)
    {
        var command = new Command("providers",
            "Print the EventPipe providers the probe uses, in the form 'dotnet-trace collect --providers' takes, so a trace " +
            "collected by dotnet-trace can be read by 'analyze'.")
        {
            StacksOption,
        };
        command.SetAction(parse =>
        {
            console.Out.WriteLine(ProbeProviders.DotnetTraceProvidersFor(blockingSites: parse.GetValue(StacksOption)));
            return (int)ReturnCode.Success;
        });
        return command;
    }
}
