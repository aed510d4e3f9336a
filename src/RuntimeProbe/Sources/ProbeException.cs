using TailGuard.Output;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// An error the user can act on (no such process, not a .NET process, a corrupt trace): the tool prints its message as one
/// line and exits with code 1, without a stack trace. A <see cref="UserError"/>, so the tool handles both in one place.
/// </summary>
public sealed class ProbeException : UserError
{
    public ProbeException(string message)
        : base(message)
    {
    }

    public ProbeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProbeException()
    {
    }
}
