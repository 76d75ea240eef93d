import CLI

@main
enum Main {
    static func main() async {
        await ThinpoolExporterCommand.runAsync()
    }
}
