using TailGuard.Output;
using TailGuard.Tool.Commands;

namespace TailGuard.RuntimeProbe.Tests.Tool;

/// <summary><c>sizes FOLDER</c>: the one build output in it, else the one project; none or several is an error that lists them.</summary>
public sealed class SizesInputTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("tailguard-sizes-input-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Touch(string name)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, "");
        return path;
    }

    [Fact]
    public void A_file_is_itself()
    {
        var dll = Touch("App.dll");

        Assert.Equal(dll, SizesInput.Resolve(new FileInfo(dll)).FullName);
    }

    [Fact]
    public void The_one_build_output_of_a_folder_is_chosen_over_the_dependencies_beside_it()
    {
        var app = Touch("App.dll");
        Touch("App.deps.json");
        Touch("Newtonsoft.Json.dll");
        Touch("App.csproj");

        Assert.Equal(app, SizesInput.Resolve(new FileInfo(_folder.FullName)).FullName);
    }

    [Fact]
    public void A_folder_with_one_project_and_no_build_output_is_the_project()
    {
        var project = Touch("App.csproj");
        Touch("Program.cs");

        Assert.Equal(project, SizesInput.Resolve(new FileInfo(_folder.FullName)).FullName);
    }

    [Fact]
    public void Several_build_outputs_are_listed()
    {
        var a = Touch("A.dll");
        Touch("A.deps.json");
        var b = Touch("B.dll");
        Touch("B.runtimeconfig.json");

        var error = Assert.Throws<UserError>(() => SizesInput.Resolve(new FileInfo(_folder.FullName)));

        Assert.StartsWith($"'{_folder.FullName}' is a folder with 2 build outputs; give one:", error.Message, StringComparison.Ordinal);
        Assert.Contains(a, error.Message, StringComparison.Ordinal);
        Assert.Contains(b, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_with_neither_says_what_to_give()
    {
        Touch("notes.txt");

        var error = Assert.Throws<UserError>(() => SizesInput.Resolve(new FileInfo(_folder.FullName)));

        Assert.EndsWith("no project in it: give the .dll or the project.", error.Message, StringComparison.Ordinal);
    }
}
