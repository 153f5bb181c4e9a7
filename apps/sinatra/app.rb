# The seed's Sinatra app: answers GET / with the language and the machine it runs on.
require 'sinatra'

set :bind, '0.0.0.0'
set :server, 'webrick'
set :port, ENV['PORT'].to_i if ENV['PORT']

get '/' do
  "Hello from Ruby/Sinatra on #{`uname -m`.strip}\n"
end
