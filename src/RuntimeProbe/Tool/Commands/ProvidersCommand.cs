using System.CommandLine;
using TailGuard.RuntimeProbe.Session;

namespace TailGuard.RuntimeProbe.Tool.Commands;

/// <summary><c>dotnet-tailguard providers</c>: the providers string for <c>dotnet-trace collect --providers</c>.</summary>
internal static class ProvidersCommand
{
    public static Command Create(IProbeConsole console)
    {
        var command = new Command("providers",
            "Print the EventPipe providers the probe uses, in the form 'dotnet-trace collect --providers' takes, so a trace " +
            "collected by dotnet-trace can be read by 'analyze'.");
        command.SetAction(_ =>
        {
            console.Out.WriteLine(ProbeProviders.DotnetTraceProviders);
            return (int)ReturnCode.Success;
        });
        return command;
    }
}
