using System.CommandLine;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary><c>dotnet-tailguard ps</c>: the .NET processes this user can attach to.</summary>
internal static class PsCommand
{
    public static Command Create(IProbeConsole console)
    {
        var command = new Command("ps",
            "List the .NET processes this user can attach to: pid, name (the app's name for 'dotnet App.dll'), command line. " +
            ExitCodesHelp.Ps);
        command.SetAction(_ => (int)Run(console));
        return command;
    }

    public static ReturnCode Run(IProbeConsole console)
    {
        var processes = DotNetProcesses.List();
        if (processes.Count == 0)
        {
            console.Error.WriteLine("No .NET process this user can attach to is running.");
            return ReturnCode.Success;
        }

        var width = Math.Max(4, processes.Max(p => p.Name.Length));
        console.Out.WriteLine($"{"PID",8}  {"NAME".PadRight(width)}  COMMAND LINE");
        foreach (var p in processes)
        {
            console.Out.WriteLine($"{p.Pid,8}  {p.Name.PadRight(width)}  {p.CommandLine}");
        }

        return ReturnCode.Success;
    }
}
