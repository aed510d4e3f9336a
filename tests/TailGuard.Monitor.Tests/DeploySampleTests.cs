using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace TailGuard.Monitor.Tests;

/// <summary>
/// samples/deploy: images cannot be pulled here, so the Kubernetes manifest is parsed and checked to wire the sidecar as
/// docs/probe.md says: one shared emptyDir, the app's DOTNET_DiagnosticPorts naming the monitor's socket with ,nosuspend,
/// and a scrape annotation naming the port and path the monitor serves.
/// </summary>
public sealed class DeploySampleTests
{
    private static readonly string Deploy = Path.Combine(
        typeof(DeploySampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "samples", "deploy");

    [Fact]
    public void The_manifest_wires_the_app_to_the_sidecar_through_a_shared_volume_and_a_scrape_annotation()
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Deploy, "kubernetes.yaml")))
        {
            stream.Load(reader);
        }

        var deployment = (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
        Assert.Equal("Deployment", Scalar(deployment, "kind"));
        var template = Map(Map(deployment, "spec"), "template");
        var annotations = Map(Map(template, "metadata"), "annotations");
        var pod = Map(template, "spec");

        var volume = Assert.Single(Seq(pod, "volumes").Cast<YamlMappingNode>());
        Assert.True(volume.Children.ContainsKey(new YamlScalarNode("emptyDir")), "The shared volume is an emptyDir.");
        var volumeName = Scalar(volume, "name");

        var containers = Seq(pod, "containers").Cast<YamlMappingNode>().ToList();
        var sidecar = Assert.Single(containers, c => Args(c).Contains("monitor"));
        var app = Assert.Single(containers, c => c != sidecar);

        var args = Args(sidecar);
        var socket = args[args.IndexOf("--diagnostic-port") + 1];
        var listen = args[args.IndexOf("--prometheus") + 1];
        var port = listen[(listen.LastIndexOf(':') + 1)..];

        var variable = Seq(app, "env").Cast<YamlMappingNode>().Single(e => Scalar(e, "name") == "DOTNET_DiagnosticPorts");
        Assert.Equal(socket + ",nosuspend", Scalar(variable, "value"));
        Assert.Equal(MountPath(app, volumeName), MountPath(sidecar, volumeName));
        Assert.Equal(MountPath(app, volumeName), Path.GetDirectoryName(socket));

        Assert.Equal("true", Scalar(annotations, "prometheus.io/scrape"));
        Assert.Equal(port, Scalar(annotations, "prometheus.io/port"));
        Assert.Equal(MonitorExport.ScrapePath, Scalar(annotations, "prometheus.io/path"));
        Assert.Contains(Seq(sidecar, "ports").Cast<YamlMappingNode>(), p => Scalar(p, "containerPort") == port);
    }

    [Fact]
    public void The_image_runs_the_tool_listening_at_the_manifests_socket()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy, "Dockerfile"));

        Assert.Contains("dotnet publish src/Tool/TailGuard.Tool.csproj", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/tool/dotnet-tailguard.dll\"]", dockerfile, StringComparison.Ordinal);
        Assert.Contains("\"--diagnostic-port\", \"/diag/tailguard.sock\"", dockerfile, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Deploy, "..", "..", "src", "Tool", "TailGuard.Tool.csproj")));
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) => (YamlSequenceNode)node.Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static List<string> Args(YamlMappingNode container) =>
        container.Children.TryGetValue(new YamlScalarNode("args"), out var args)
            ? ((YamlSequenceNode)args).Cast<YamlScalarNode>().Select(a => a.Value!).ToList()
            : [];

    private static string? MountPath(YamlMappingNode container, string? volume) =>
        Scalar(Seq(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == volume), "mountPath");
}
