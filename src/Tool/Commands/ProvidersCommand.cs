using System.CommandLine;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

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
            "collected by dotnet-trace can be read by 'analyze'. " + ExitCodesHelp.Providers)
        {
            StacksOption,
        };
        command.SetAction(parse => (int)Run(console, new ProvidersSettings { BlockingSites = parse.GetValue(StacksOption) }));
        return command;
    }

    public static ReturnCode Run(IProbeConsole console, ProvidersSettings settings)
    {
        console.Out.WriteLine(ProbeProviders.DotnetTraceProvidersFor(blockingSites: settings.BlockingSites));
        return ReturnCode.Success;
    }
}

/// <summary>The providers command's arguments, typed.</summary>
internal sealed record ProvidersSettings
{
    /// <summary>Also what blocking call sites need (<c>--stacks</c>).</summary>
    public bool BlockingSites { get; init; }
}
