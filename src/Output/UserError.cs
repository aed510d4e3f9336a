namespace TailGuard.Output;

/// <summary>
/// An error the user can act on (a missing or unreadable input, a file that cannot be written, a failed build, an unknown
/// format): the tool prints its message as one line on standard error and exits with code 1, without a stack trace. Every
/// library the tool runs throws this type for such errors (or a type derived from it, such as the probe's
/// <c>ProbeException</c>); anything else is a defect.
/// </summary>
public class UserError : Exception
{
    public UserError(string message)
        : base(message)
    {
    }

    public UserError(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UserError()
    {
    }
}
